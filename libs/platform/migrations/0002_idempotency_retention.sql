-- Stored answers are purged after the retention period, oldest first, in small batches.
CREATE INDEX platform_idempotency_created ON platform_idempotency (created_at);
