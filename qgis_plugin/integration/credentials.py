"""Server address and API token, kept in QGIS's authentication database.

The token is a secret, so it goes into the encrypted auth DB (behind the QGIS master
password); plain settings hold only the id of that auth config. The config uses the
"Basic" method (the one every QGIS 3.x has): the token is its password and the server
address its URL. The plugin reads the config itself and sends the token as a Bearer
header; QGIS never applies this config to other requests.
"""

from __future__ import annotations

from dataclasses import dataclass

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsSettings

SETTINGS_KEY = "gis_outage/authcfg"
METHOD = "Basic"
CONFIG_NAME = "gis-outage API"
USERNAME = "api-token"


@dataclass(frozen=True)
class ServerConnection:
    url: str
    token: str


class CredentialError(Exception):
    pass


def _manager():
    return QgsApplication.authManager()


def _outcome(result: object, config: QgsAuthMethodConfig) -> tuple[bool, QgsAuthMethodConfig]:
    # The bindings return (bool, config) for an in/out config argument (3.22 does), a bare
    # bool where the config is only read.
    if isinstance(result, tuple):
        return bool(result[0]), result[1]
    return bool(result), config


def auth_config_id() -> str:
    return QgsSettings().value(SETTINGS_KEY, "", type=str)


def stored_url() -> str:
    """The server address without decrypting the token: no master password prompt."""
    config = _manager().availableAuthMethodConfigs().get(auth_config_id())
    return config.uri() if config is not None else ""


def load_connection(config_id: str | None = None) -> ServerConnection | None:
    """The stored connection (or that of auth config `config_id`), or None when there
    is none or the auth DB is locked."""
    config_id = config_id or auth_config_id()
    if not config_id:
        return None
    config = QgsAuthMethodConfig()
    # Decrypting asks for the master password when QGIS has not been given it yet.
    ok, config = _outcome(_manager().loadAuthenticationConfig(config_id, config, True), config)
    if not ok:
        return None
    token = config.config("password", "")
    if not config.uri() or not token:
        return None
    return ServerConnection(url=config.uri(), token=token)


def save_connection(url: str, token: str) -> str:
    """Store (or replace) the connection; returns the auth config id."""
    manager = _manager()
    if manager.isDisabled():
        raise CredentialError(manager.disabledMessage())
    config = QgsAuthMethodConfig(METHOD)
    config.setName(CONFIG_NAME)
    config.setUri(url.strip())
    config.setConfig("username", USERNAME)
    config.setConfig("password", token.strip())
    existing = auth_config_id()
    if existing and existing in manager.configIds():
        config.setId(existing)
        ok, config = _outcome(manager.updateAuthenticationConfig(config), config)
    else:
        ok, config = _outcome(manager.storeAuthenticationConfig(config), config)
    stored_id = config.id() or existing
    if not ok or not stored_id:
        raise CredentialError("the QGIS authentication database did not store the token")
    QgsSettings().setValue(SETTINGS_KEY, stored_id)
    return stored_id


def forget_connection() -> None:
    config_id = auth_config_id()
    if config_id:
        _manager().removeAuthenticationConfig(config_id)
    QgsSettings().remove(SETTINGS_KEY)
