-- dicom-gw schema, part 9: record_instance without a lock on the study and series rows
-- for every instance.
--
-- 0004's record_instance upserted the study and series on every instance, setting
-- last_received_at = now(). The update locks the row until the receive transaction commits,
-- which is after the file's fsync and the WAL flush, so several associations sending one
-- study (a modality's usual way) were serialised on it. Now the function first looks: when
-- the row already holds the same attributes and was touched within the last second, it is
-- left alone (last_received_at is then up to a second old, and the instance rows carry the
-- exact received_at). Otherwise it upserts as before. Same signature, same results.

CREATE OR REPLACE FUNCTION dicom_gw.record_instance(
    p_study_instance_uid text,
    p_series_instance_uid text,
    p_sop_instance_uid text,
    p_sop_class_uid text,
    p_transfer_syntax_uid text,
    p_patient_id text,
    p_patient_name text,
    p_patient_birth_date date,
    p_patient_sex text,
    p_accession_number text,
    p_study_date date,
    p_study_time time,
    p_study_description text,
    p_referring_physician_name text,
    p_modality text,
    p_series_number integer,
    p_series_description text,
    p_instance_number integer,
    p_file_path text,
    p_size_bytes bigint,
    p_sha256 bytea,
    p_calling_ae_title text,
    p_called_ae_title text,
    p_peer_address inet,
    p_association_id uuid,
    p_duplicate_policy text
) RETURNS TABLE (outcome dicom_gw.record_outcome, instance_id bigint, previous_path text,
                 previous_state dicom_gw.storage_state)
LANGUAGE plpgsql AS $$
DECLARE
    v_study_id bigint;
    v_series_id bigint;
    v_instance_id bigint;
    v_existing dicom_gw.instances%ROWTYPE;
    v_outcome dicom_gw.record_outcome;
    v_action text;
BEGIN
    IF p_duplicate_policy NOT IN ('keep-first', 'replace', 'reject') THEN
        RAISE EXCEPTION 'unknown duplicate policy %', p_duplicate_policy USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Lock an existing instance first, so two receivers of one SOP Instance UID serialise.
    SELECT * INTO v_existing FROM dicom_gw.instances
     WHERE sop_instance_uid = p_sop_instance_uid FOR UPDATE;

    IF FOUND AND v_existing.storage_state <> 'deleted' THEN
        IF v_existing.sha256 = p_sha256 THEN
            v_outcome := 'identical';
        ELSIF p_duplicate_policy = 'keep-first' THEN
            v_outcome := 'kept';
        ELSIF p_duplicate_policy = 'reject' THEN
            v_outcome := 'rejected';
        ELSE
            v_outcome := 'replaced';
        END IF;
        IF v_outcome <> 'replaced' THEN
            INSERT INTO dicom_gw.audit_events (actor_type, actor, actor_address, action, object_type, object_id, outcome, details)
            VALUES ('remote_ae', coalesce(p_calling_ae_title, ''), p_peer_address,
                    'instance.duplicate', 'instance', p_sop_instance_uid,
                    CASE v_outcome WHEN 'rejected' THEN 'failure'::text ELSE 'warning'::text END,
                    jsonb_build_object('result', v_outcome, 'study_instance_uid', p_study_instance_uid,
                                       'size_bytes', p_size_bytes, 'sha256', encode(p_sha256, 'hex'),
                                       'stored_sha256', encode(v_existing.sha256, 'hex'),
                                       'association_id', p_association_id));
            RETURN QUERY SELECT v_outcome, v_existing.id, v_existing.file_path, v_existing.storage_state;
            RETURN;
        END IF;
    END IF;

    -- Look before upserting: when the study row already says what this instance says and was
    -- touched within the last second, leave it alone. An update would lock the row until
    -- commit (that is, across the file's fsync and the WAL flush), and every association
    -- sending the same study would take turns behind it.
    SELECT s.id INTO v_study_id FROM dicom_gw.studies s
     WHERE s.study_instance_uid = p_study_instance_uid
       AND s.last_received_at > now() - interval '1 second'
       AND (s.patient_id, s.patient_name, s.patient_birth_date, s.patient_sex, s.accession_number,
            s.study_date, s.study_time, s.study_description, s.referring_physician_name)
           IS NOT DISTINCT FROM
           (p_patient_id, p_patient_name, p_patient_birth_date, p_patient_sex, p_accession_number,
            p_study_date, p_study_time, p_study_description, p_referring_physician_name);
    IF v_study_id IS NULL THEN
        INSERT INTO dicom_gw.studies AS s (study_instance_uid, patient_id, patient_name, patient_birth_date,
                                           patient_sex, accession_number, study_date, study_time,
                                           study_description, referring_physician_name)
        VALUES (p_study_instance_uid, p_patient_id, p_patient_name, p_patient_birth_date, p_patient_sex,
                p_accession_number, p_study_date, p_study_time, p_study_description, p_referring_physician_name)
        ON CONFLICT (study_instance_uid) DO UPDATE
           SET patient_id = EXCLUDED.patient_id,
               patient_name = EXCLUDED.patient_name,
               patient_birth_date = EXCLUDED.patient_birth_date,
               patient_sex = EXCLUDED.patient_sex,
               accession_number = EXCLUDED.accession_number,
               study_date = EXCLUDED.study_date,
               study_time = EXCLUDED.study_time,
               study_description = EXCLUDED.study_description,
               referring_physician_name = EXCLUDED.referring_physician_name,
               last_received_at = now()
        RETURNING s.id INTO v_study_id;
    END IF;

    SELECT r.id INTO v_series_id FROM dicom_gw.series r
     WHERE r.series_instance_uid = p_series_instance_uid
       AND r.study_id = v_study_id
       AND r.last_received_at > now() - interval '1 second'
       AND (r.modality, r.series_number, r.series_description)
           IS NOT DISTINCT FROM (p_modality, p_series_number, p_series_description);
    IF v_series_id IS NULL THEN
        INSERT INTO dicom_gw.series AS r (study_id, series_instance_uid, modality, series_number, series_description)
        VALUES (v_study_id, p_series_instance_uid, p_modality, p_series_number, p_series_description)
        ON CONFLICT (series_instance_uid) DO UPDATE
           SET modality = EXCLUDED.modality,
               series_number = EXCLUDED.series_number,
               series_description = EXCLUDED.series_description,
               last_received_at = now()
        RETURNING r.id INTO v_series_id;
    END IF;

    IF v_existing.id IS NULL THEN
        INSERT INTO dicom_gw.instances (series_id, study_id, sop_instance_uid, sop_class_uid, transfer_syntax_uid,
                                        instance_number, storage_state, file_path, size_bytes, sha256,
                                        calling_ae_title, called_ae_title, peer_address, association_id)
        VALUES (v_series_id, v_study_id, p_sop_instance_uid, p_sop_class_uid, p_transfer_syntax_uid,
                p_instance_number, 'stored', p_file_path, p_size_bytes, p_sha256,
                p_calling_ae_title, p_called_ae_title, p_peer_address, p_association_id)
        RETURNING id INTO v_instance_id;
        v_outcome := 'stored';
        v_action := 'instance.stored';
    ELSE
        UPDATE dicom_gw.instances
           SET series_id = v_series_id, study_id = v_study_id, sop_class_uid = p_sop_class_uid,
               transfer_syntax_uid = p_transfer_syntax_uid, instance_number = p_instance_number,
               storage_state = 'stored', file_path = p_file_path, size_bytes = p_size_bytes,
               sha256 = p_sha256, calling_ae_title = p_calling_ae_title, called_ae_title = p_called_ae_title,
               peer_address = p_peer_address, association_id = p_association_id,
               received_at = now(), updated_at = now()
         WHERE id = v_existing.id;
        v_instance_id := v_existing.id;
        v_outcome := CASE WHEN v_existing.storage_state = 'deleted' THEN 'stored' ELSE 'replaced' END;
        v_action := CASE WHEN v_outcome = 'stored' THEN 'instance.stored' ELSE 'instance.replaced' END;
    END IF;

    INSERT INTO dicom_gw.audit_events (actor_type, actor, actor_address, action, object_type, object_id, outcome, details)
    VALUES ('remote_ae', coalesce(p_calling_ae_title, ''), p_peer_address, v_action, 'instance', p_sop_instance_uid,
            'success',
            jsonb_build_object('study_instance_uid', p_study_instance_uid,
                               'series_instance_uid', p_series_instance_uid,
                               'sop_class_uid', p_sop_class_uid, 'size_bytes', p_size_bytes,
                               'sha256', encode(p_sha256, 'hex'), 'called_ae_title', p_called_ae_title,
                               'association_id', p_association_id));

    RETURN QUERY SELECT v_outcome, v_instance_id,
                        CASE WHEN v_existing.file_path IS DISTINCT FROM p_file_path THEN v_existing.file_path END,
                        v_existing.storage_state;
END;
$$;
