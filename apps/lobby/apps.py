from django.apps import AppConfig


class LobbyConfig(AppConfig):
    name = "apps.lobby"
    label = "lobby"
    verbose_name = "Lobby"

    def ready(self) -> None:
        from apps.core import replay
        from apps.lobby.selectors import lobby_replay

        replay.register("lobby", lobby_replay)
