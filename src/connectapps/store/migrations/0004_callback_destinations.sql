-- Deauthorize callbacks, issue 8.
-- ``destination`` is the host a callback goes to (lower case): a sender keeps a fair share of its
-- sending slots for every destination, so one slow host cannot take them all. NULL on rows queued
-- before this migration: the sender then reads the host from the URL.
ALTER TABLE callbacks ADD COLUMN destination TEXT;
-- The delivery log shows a tenant only a short category for a failed attempt, never an exception's
-- text (which told an app owner what answered inside the server's network). Older rows kept that
-- text: reduce them to their category.
-- (substr, not LIKE: the same SQL runs on both backends, and psycopg reads % as a placeholder.)
UPDATE callback_attempts SET error = 'timeout'
    WHERE status_code IS NULL AND substr(error, 1, 12) = 'TimeoutError';
UPDATE callback_attempts SET error = 'invalid URL'
    WHERE status_code IS NULL AND substr(error, 1, 28) = 'ValueError: refusing to call';
UPDATE callback_attempts SET error = 'connection failed'
    WHERE status_code IS NULL AND error IS NOT NULL
    AND error NOT IN ('timeout', 'invalid URL', 'the Connect App or its owner no longer exists')
    AND substr(error, 1, 11) <> 'interrupted';
