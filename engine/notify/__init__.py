"""Notifications of supervision events (电子监察通知): what is said, to whom, over which channel.

Pure core: `notice` (the message model), `render` (Chinese and English text, webhook JSON),
`channels` (channel configs), `signature` (webhook HMAC), `retry` (backoff policy).
Adapters: `transports`, `webhook`, `mail`. Persistence: `tables`, `deliveries`.
Service: `dispatch` — deliver one notice to its channels; a failure never raises to the caller.
"""
