"""Pure rules of procedure: phases, motions, majorities, speakers, roll call, mediation.

Nothing here imports Django. A committee's rules are a ``Preset`` (``presets.py``), read from
YAML and stored per committee as JSON; every function takes the preset it applies, so
thresholds, limits and options are data an instructor can change, never code paths.
"""
