"""The igsync sandbox: a local emulator of Instagram's OAuth and Graph endpoints (not Instagram)."""

from daemon.sandbox.app import create_sandbox_app
from daemon.sandbox.state import Faults, SandboxConfig, SandboxState

__all__ = ["Faults", "SandboxConfig", "SandboxState", "create_sandbox_app"]
