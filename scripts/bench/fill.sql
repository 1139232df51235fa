-- Fills the bench queue with :n no-op jobs on one unlimited lane, 10,000 per enqueue call
-- (the arrays mention c so the function is called once per chunk, not once in all).
SELECT sum(x.n) AS jobs_enqueued FROM generate_series(1, :n / 10000) AS c,
LATERAL (SELECT count(*) AS n
         FROM dicom_gw.job_enqueue('bench', array_fill('noop'::text, ARRAY[10000 + 0 * c]),
                                   array_fill('bench'::text, ARRAY[10000])) AS e) AS x;
