from django.apps import AppConfig


class ProceedingsConfig(AppConfig):
    name = "apps.proceedings"
    label = "proceedings"
    verbose_name = "Proceedings (sessions, motions, speakers)"

    def ready(self) -> None:
        from apps.core import replay
        from apps.proceedings.fragments import session_replay
        from apps.proceedings.selectors import session_groups

        replay.register_prefix("session-", session_replay, session_groups)
