"""What every gateway replica keeps in memory about credentials, so a request costs no database round trip.

Reloaded on every change notification (LISTEN/NOTIFY), so a revocation takes effect on every replica within
milliseconds of its commit, and on the replica that made it at once.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from gateway.identities.keyring import Principal
from hub.errors import Unauthorized


@dataclass
class CredentialState:
    revoked_clients: set[str] = field(default_factory=set)
    secret_versions: dict[str, int] = field(default_factory=dict)
    revoked_api_keys: set[str] = field(default_factory=set)
    # key id → (SHA-256 of the secret, principal): argon2 runs once per key and process, not per request.
    _api_keys: dict[str, tuple[bytes, Principal]] = field(default_factory=dict)

    def replace(self, revoked: set[str], versions: dict[str, int], revoked_keys: set[str]) -> None:
        self.revoked_clients = revoked
        self.secret_versions = versions
        self.revoked_api_keys = revoked_keys
        for key_id in revoked_keys:
            self._api_keys.pop(key_id, None)

    def revoke_client(self, client_id: str) -> None:
        self.revoked_clients.add(client_id)

    def supersede_secret(self, client_id: str, version: int) -> None:
        self.secret_versions[client_id] = version

    def revoke_api_key(self, key_id: str) -> None:
        self.revoked_api_keys.add(key_id)
        self._api_keys.pop(key_id, None)

    def check(self, principal: Principal) -> Principal:
        """The principal, if none of its credentials has been revoked or replaced since it was issued."""
        if principal.client_id in self.revoked_clients:
            raise Unauthorized("This client's credentials have been revoked.")
        if principal.api_key_id and principal.api_key_id in self.revoked_api_keys:
            raise Unauthorized("This API key has been revoked.")
        current = self.secret_versions.get(principal.client_id)
        if current is not None and principal.api_key_id is None and principal.secret_version < current:
            raise Unauthorized("This token was issued under a secret that has since been replaced.")
        return principal

    def cached_api_key(self, key_id: str, secret: str) -> Principal | None:
        cached = self._api_keys.get(key_id)
        if cached and hmac.compare_digest(cached[0], hashlib.sha256(secret.encode()).digest()):
            return cached[1]
        return None

    def remember_api_key(self, key_id: str, secret: str, principal: Principal) -> None:
        self._api_keys[key_id] = (hashlib.sha256(secret.encode()).digest(), principal)
