from django.apps import AppConfig


class CaucusConfig(AppConfig):
    name = "apps.caucus"
    label = "caucus"
    verbose_name = "Caucusing (channels, notes)"

    def ready(self) -> None:
        from apps.caucus.selectors import channel_groups, channel_replay
        from apps.core import replay

        replay.register_prefix("channel-", channel_replay, channel_groups)
