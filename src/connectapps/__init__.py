"""connectapps: a self-hostable, Twilio-compatible Twilio Connect (ConnectApps, 2010-04-01 API)."""

__version__ = "0.1.0"
