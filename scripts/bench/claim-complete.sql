-- One pgbench transaction: claim a batch, then complete it (two round trips, autocommit),
-- the same SQL the Swift JobQueue sends. :batch and :worker come from pgbench -D.
SELECT coalesce(array_agg(id), '{}') AS ids, coalesce(array_agg(lease_id), '{}') AS leases
FROM dicom_gw.job_claim('bench', :worker, :batch, 60) \gset
SELECT dicom_gw.job_complete(:ids, :leases);
