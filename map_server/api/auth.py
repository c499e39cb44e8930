"""Bearer tokens with roles: viewer < engineer < admin."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gis_outage.model import Role
from gis_outage.storage.users import User, user_for_token
from map_server.limits import API_USER, TOKEN_INVALID, TOKEN_NEEDED

RANK = {Role.VIEWER: 0, Role.ENGINEER: 1, Role.ADMIN: 2}
_bearer = HTTPBearer(auto_error=False, description="API token from `gis-outage create-token`")


def require(role: Role) -> Callable[..., User]:
    """A dependency that lets through users with at least `role`."""

    def check(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> User:
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, TOKEN_NEEDED,
                headers={"WWW-Authenticate": "Bearer"},
            )
        # A request with a body had its token checked before the body was read.
        user = getattr(request.state, API_USER, None)
        if user is None:
            user = user_for_token(request.app.state.db, credentials.credentials)
        if user is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, TOKEN_INVALID,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if RANK[user.role] < RANK[role]:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"needs the {role.value} role")
        return user

    return check
