"""Change notifications: subscriptions, the outbox, signed webhooks and e-mail."""
