//! Table definitions shared by both backends: only types every backend has (BigInt, Integer,
//! Text, Double, Bool, Date, Timestamp). Kept in step with `migrations/{sqlite,postgres}` by the
//! schema-parity test.

diesel::table! {
    organisations (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        current_scheme_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tag_schemes (id) {
        id -> BigInt,
        org_id -> BigInt,
        fingerprint -> Text,
        name -> Text,
        definition -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    programmes (id) {
        id -> BigInt,
        org_id -> BigInt,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    calls (id) {
        id -> BigInt,
        org_id -> BigInt,
        programme_id -> BigInt,
        code -> Text,
        title -> Text,
        opens_on -> Date,
        closes_on -> Date,
        budget_ore -> BigInt,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        design -> Text,
    }
}

diesel::table! {
    applications (org_id, external_id) {
        org_id -> BigInt,
        call_id -> BigInt,
        external_id -> Text,
        applicant_key -> Text,
        received_on -> Date,
        amount_applied_ore -> BigInt,
        facts -> Text,
        content_hash -> Text,
        revision -> Integer,
        decision_history -> Text,
        decision_version -> Integer,
        outcome -> Nullable<Text>,
        amount_granted_ore -> Nullable<BigInt>,
        decided_on -> Nullable<Date>,
        scheme_id -> BigInt,
        gender -> Text,
        background -> Text,
        background_detail -> Text,
        age_band -> Text,
        county -> Text,
        municipality -> Text,
        size_band -> Text,
        tag_notes -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tag_history (scheme_id, org_id, external_id) {
        scheme_id -> BigInt,
        org_id -> BigInt,
        external_id -> Text,
        gender -> Text,
        background -> Text,
        background_detail -> Text,
        age_band -> Text,
        county -> Text,
        municipality -> Text,
        size_band -> Text,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    stat_cells (org_id, scheme_id, call_id, gender, background, age_band, county) {
        org_id -> BigInt,
        scheme_id -> BigInt,
        call_id -> BigInt,
        gender -> Text,
        background -> Text,
        age_band -> Text,
        county -> Text,
        applications -> BigInt,
        judged -> BigInt,
        approved -> BigInt,
        withdrawn -> BigInt,
        applied_ore -> BigInt,
        judged_applied_ore -> BigInt,
        approved_applied_ore -> BigInt,
        granted_ore -> BigInt,
        granted_sq_sek -> Double,
        days_sum -> BigInt,
        hist_granted -> Text,
        hist_cut -> Text,
        hist_days -> Text,
        generation -> BigInt,
    }
}

diesel::table! {
    cube_generations (org_id, scheme_id) {
        org_id -> BigInt,
        scheme_id -> BigInt,
        generation -> BigInt,
        cleared_at -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (org_id, idem_key) {
        org_id -> BigInt,
        idem_key -> Text,
        request_hash -> Text,
        status_code -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        location -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    import_jobs (id) {
        id -> Text,
        org_id -> BigInt,
        format -> Text,
        status -> Text,
        lines -> BigInt,
        accepted -> BigInt,
        unchanged -> BigInt,
        rejected -> BigInt,
        errors -> Text,
        errors_truncated -> Bool,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    web_sessions (id_hash) {
        id_hash -> Text,
        org_id -> BigInt,
        subject -> Text,
        display_name -> Text,
        roles -> Text,
        language -> Text,
        csrf -> Text,
        id_token -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    web_sign_ins (state_hash) {
        state_hash -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        next_path -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(tag_schemes -> organisations (org_id));
diesel::joinable!(web_sessions -> organisations (org_id));
diesel::joinable!(programmes -> organisations (org_id));
diesel::joinable!(calls -> programmes (programme_id));
diesel::joinable!(applications -> calls (call_id));
diesel::joinable!(call_overrides -> calls (call_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    tag_schemes,
    programmes,
    calls,
    applications,
    tag_history,
    stat_cells,
    cube_generations,
    idempotency_keys,
    import_jobs,
    baselines,
    evaluations,
    call_checks,
    call_overrides,
    firm_populations,
    reports,
    audit_log,
    web_sessions,
    web_sign_ins,
);

diesel::table! {
    baselines (org_id, group_key, region, year) {
        org_id -> BigInt,
        group_key -> Text,
        region -> Text,
        year -> Integer,
        group_json -> Text,
        share -> Double,
        source -> Text,
        published_on -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluations (id) {
        id -> Text,
        org_id -> BigInt,
        created_at -> Timestamp,
        created_by -> Text,
        ruleset -> Text,
        scheme_id -> BigInt,
        data_hash -> Text,
        request -> Text,
        body -> Text,
    }
}

diesel::table! {
    call_checks (id) {
        id -> Text,
        org_id -> BigInt,
        call_id -> BigInt,
        call_version -> Integer,
        verdict -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        body -> Text,
    }
}

diesel::table! {
    call_overrides (id) {
        id -> Text,
        org_id -> BigInt,
        call_id -> BigInt,
        call_version -> Integer,
        reason -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    firm_populations (org_id, region, year) {
        org_id -> BigInt,
        region -> Text,
        year -> Integer,
        body -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        org_id -> BigInt,
        created_at -> Timestamp,
        created_by -> Text,
        request -> Text,
        data_hash -> Text,
        body -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        org_id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        report_id -> Nullable<Text>,
        scope -> Text,
        format -> Text,
    }
}
