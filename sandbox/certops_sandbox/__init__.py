"""certops-sandbox: a local HTTP server that speaks SoftLayer's and Edgecast CPS's certificate APIs."""

from .app import create_app
from .server import SandboxServer

__all__ = ["create_app", "SandboxServer"]
