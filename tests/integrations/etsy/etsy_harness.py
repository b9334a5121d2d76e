"""The Etsy test harness: a sandbox on loopback and a seller connected to it through OAuth."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests

from integrations.etsy.auth import (
    EtsyTokenKeeper,
    authorization_url,
    code_challenge,
    exchange_code,
    new_code_verifier,
    new_state,
)
from integrations.etsy.client import EtsyClient, RetryPolicy
from integrations.etsy.store import EtsyStore
from integrations.sandbox.etsy.state import EtsySandboxState, SandboxShop
from integrations.tokens import MemoryTokenStore, ThreadRefreshLock, TokenCipher

KEYSTRING = "adornkeystring1234"
SHARED_SECRET = "adornsharedsecret"
REDIRECT_URI = "https://adorn.example/etsy/callback"
PHOTO_PX = 160  # small seed photos keep a sandbox start well under a second


@dataclass
class EtsySandbox:
    state: EtsySandboxState
    shop: SandboxShop
    base_url: str

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/v3/public/oauth/token"

    def authorization_code(self, verifier: str) -> str:
        """Run the consent redirect over HTTP and return the code it hands back."""
        state = new_state()
        url = authorization_url(
            KEYSTRING,
            REDIRECT_URI,
            state,
            code_challenge(verifier),
            connect_url=f"{self.base_url}/oauth/connect",
        )
        response = requests.get(url, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert query["state"] == [state]
        return query["code"][0]


@dataclass
class Connected:
    """A seller's shop connected through OAuth: the token store, keeper, client and store."""

    tokens: MemoryTokenStore
    keeper: EtsyTokenKeeper
    client: EtsyClient
    store: EtsyStore
    shop_key: str


def connect_seller(
    sandbox: EtsySandbox,
    retry: RetryPolicy | None = None,
    image_limit: int = 10,
    max_image_bytes: int = 1 << 22,
) -> Connected:
    """Connect the sandbox's seller through OAuth with PKCE, as the app does, over HTTP."""
    verifier = new_code_verifier()
    code = sandbox.authorization_code(verifier)
    tokens = exchange_code(code, verifier, KEYSTRING, REDIRECT_URI, sandbox.token_url)
    store = MemoryTokenStore(TokenCipher(TokenCipher.new_key()))
    shop_key = f"etsy:{sandbox.shop.shop_id}"
    store.save(shop_key, tokens)
    keeper = EtsyTokenKeeper(
        store, ThreadRefreshLock(), shop_key, KEYSTRING, token_url=sandbox.token_url
    )
    client = EtsyClient(
        KEYSTRING,
        SHARED_SECRET,
        keeper,
        base_url=sandbox.base_url,
        retry=retry or RetryPolicy(backoff_s=0.01),
    )
    etsy_store = EtsyStore(
        client,
        sandbox.shop.shop_id,
        image_limit=image_limit,
        image_hosts=("127.0.0.1",),
        allow_private_addresses=True,
        max_image_bytes=max_image_bytes,
    )
    return Connected(store, keeper, client, etsy_store, shop_key)
