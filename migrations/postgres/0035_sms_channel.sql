-- The notifications outbox carries text messages too (channel 'sms', issue 14): queued in the
-- transaction of what caused them, delivered through the configured SMS hook (platform::sms).
ALTER TABLE notifications DROP CONSTRAINT notifications_channel_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_channel_check CHECK (channel IN ('email', 'sms'));
