"""Running the server in production: structured logs, Prometheus metrics, per-account concurrency
limits and a graceful stop. Nothing here knows Twilio's wire format or the domain's rules."""
