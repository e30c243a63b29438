-- SQLite compares text byte for byte already; this keeps the versions of both backends in step
-- (see the PostgreSQL migration of the same name).
SELECT 1;
