"""afsim: a policy-argument simulator for Afghanistan-based terrorism (US, Russia, Iran, Taliban, ISIS-K)."""

__version__ = "0.1.0"
