-- Numbers are now indexed without grouping commas: the index is rebuilt by
-- sending documents back to the queue (read again from their originals).
DELETE FROM chunks;
UPDATE documents SET status = 'pending', pages_done = 0 WHERE status IN ('ready', 'processing');
