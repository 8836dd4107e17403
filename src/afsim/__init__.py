"""afsim: a policy-argument simulator for Afghanistan-based terrorism (US, Russia, Iran, Taliban, ISIS-K).

The Python API (docs/api.md) is loaded on first use (PEP 562), so ``import afsim`` stays light.
"""

__version__ = "0.1.0"
__all__ = ["InputError", "Result", "argue", "load", "readings", "run", "sweep"]


def __getattr__(name: str) -> object:
    if name == "InputError":
        from afsim.errors import InputError

        return InputError
    if name in __all__:
        from afsim import api

        return getattr(api, name)
    raise AttributeError(f"module 'afsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
