-- Ready-made reports over the dicom_gw.report_* views (migration 0008). Run as any member
-- of dicom_gw_report, e.g.  psql -d dicom_gw -f /usr/share/dicom-gw/sql/reports.sql
-- Days are UTC; durations are seconds.

\echo 'Received per day and source AE, last 7 days'
SELECT day, source_ae, objects, pg_size_pretty(bytes) AS size, studies
FROM dicom_gw.report_received_daily
WHERE day >= (now() AT TIME ZONE 'UTC')::date - 6
ORDER BY day DESC, objects DESC;

\echo 'Forwarding per destination and day, last 7 days'
SELECT day, destination, delivered, failed, failure_rate,
       round(latency_p50_s::numeric, 2) AS p50_s, round(latency_p90_s::numeric, 2) AS p90_s,
       round(latency_p99_s::numeric, 2) AS p99_s
FROM dicom_gw.report_forward_daily
WHERE day >= (now() AT TIME ZONE 'UTC')::date - 6
ORDER BY day DESC, destination;

\echo 'Destinations over all time'
SELECT destination, enabled, paused, pending, delivered, failed, failure_rate,
       round(latency_p50_s::numeric, 2) AS p50_s, round(latency_p99_s::numeric, 2) AS p99_s,
       last_delivered_at, last_error
FROM dicom_gw.report_forward_destinations
ORDER BY destination;

\echo 'Queue depth and oldest wait'
SELECT queue, coalesce(destination, lane) AS lane, waiting, due, running,
       round(oldest_wait_s::numeric) AS oldest_wait_s, lane_paused
FROM dicom_gw.report_queue_depth
ORDER BY oldest_wait_s DESC NULLS LAST;

\echo 'Dead letters, newest first'
SELECT dead_lettered_at, destination, study_instance_uid, sop_instance_uid, attempts,
       last_status, error_kind, reason
FROM dicom_gw.report_dead_letters
ORDER BY dead_lettered_at DESC
LIMIT 100;

\echo 'Studies not yet delivered everywhere, oldest first'
SELECT study_instance_uid, accession_number, instances, pending, failed, cancelled,
       missing_destinations, oldest_pending_since
FROM dicom_gw.report_undelivered_studies
ORDER BY first_received_at
LIMIT 100;

\echo 'Storage use by state'
SELECT state, objects, pg_size_pretty(bytes) AS size, studies, oldest_received_at
FROM dicom_gw.report_storage_use
ORDER BY state;
