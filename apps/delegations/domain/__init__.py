"""Pure rules of the delegations app: actor kinds, rights and scenario templates.

Nothing here imports Django, so it can be tested, and reasoned about, on its own.
"""
