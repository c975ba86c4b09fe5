//! diesel table definitions, matching `migrations/` (kept by hand: one portable schema).

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        display_name -> Text,
        auth_mode -> Text,
        signing_alg -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tenant_domains (domain) {
        domain -> Text,
        tenant_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        tenant_id -> Text,
        user_type -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Nullable<Text>,
        status -> Text,
        external_state -> Nullable<Text>,
        home_issuer -> Nullable<Text>,
        home_subject -> Nullable<Text>,
        identity_source -> Text,
        access_expires_at -> Nullable<Timestamp>,
        invited_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        tenant_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    user_groups (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    group_members (group_id, user_id) {
        group_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        tenant_id -> Text,
        client_id -> Text,
        name -> Text,
        client_type -> Text,
        secret_hash -> Nullable<Text>,
        redirect_uris -> Text,
        post_logout_redirect_uris -> Text,
        grant_types -> Text,
        permissions -> Text,
        first_party -> Bool,
        assignment_required -> Bool,
        created_at -> Timestamp,
        require_mfa -> Bool,
        home_url -> Nullable<Text>,
        backchannel_logout_uri -> Nullable<Text>,
        backchannel_logout_session_required -> Bool,
        dpop_bound_access_tokens -> Bool,
        token_endpoint_auth_method -> Nullable<Text>,
        jwks -> Nullable<Text>,
        jwks_uri -> Nullable<Text>,
        secret_sealed -> Nullable<Text>,
        require_pushed_authorization_requests -> Bool,
    }
}

diesel::table! {
    pushed_requests (uri_hash) {
        uri_hash -> Text,
        tenant_id -> Text,
        client_id -> Text,
        params -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    client_assertion_jtis (tenant_id, client_id, jti_hash) {
        tenant_id -> Text,
        client_id -> Text,
        jti_hash -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        tenant_id -> Text,
        alg -> Text,
        private_key -> Text,
        public_jwk -> Text,
        active -> Bool,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
        publish_until -> Nullable<Timestamp>,
        activates_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        tenant_id -> Text,
        token_hash -> Text,
        user_id -> Text,
        auth_time -> Timestamp,
        amr -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        complete -> Bool,
    }
}

diesel::table! {
    auth_requests (id) {
        id -> Text,
        tenant_id -> Text,
        client_id -> Text,
        redirect_uri -> Text,
        scope -> Text,
        state -> Nullable<Text>,
        nonce -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        prompt -> Nullable<Text>,
        max_age -> Nullable<BigInt>,
        login_hint -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        acr_values -> Nullable<Text>,
        dpop_jkt -> Nullable<Text>,
        response_mode -> Nullable<Text>,
        claims -> Nullable<Text>,
    }
}

diesel::table! {
    grants (id) {
        id -> Text,
        tenant_id -> Text,
        client_id -> Text,
        user_id -> Text,
        session_id -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        claims -> Nullable<Text>,
    }
}

diesel::table! {
    auth_codes (code_hash) {
        code_hash -> Text,
        tenant_id -> Text,
        grant_id -> Text,
        client_id -> Text,
        user_id -> Text,
        redirect_uri -> Text,
        scope -> Text,
        nonce -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        auth_time -> Timestamp,
        amr -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        dpop_jkt -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        tenant_id -> Text,
        grant_id -> Text,
        client_id -> Text,
        user_id -> Text,
        scope -> Text,
        auth_time -> Timestamp,
        amr -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        dpop_jkt -> Nullable<Text>,
    }
}

diesel::table! {
    revoked_access_tokens (jti) {
        jti -> Text,
        tenant_id -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    consents (tenant_id, user_id, client_id) {
        tenant_id -> Text,
        user_id -> Text,
        client_id -> Text,
        scope -> Text,
        granted_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        tenant_id -> Text,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        target -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        tenant_id -> Text,
        email -> Text,
        guest_user_id -> Text,
        target_kind -> Text,
        target_id -> Nullable<Text>,
        target_name -> Nullable<Text>,
        invited_by -> Text,
        inviter_name -> Text,
        redirect_url -> Nullable<Text>,
        message -> Nullable<Text>,
        token_hash -> Text,
        status -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        redeemed_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox_emails (id) {
        id -> Text,
        tenant_id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    logout_outbox (id) {
        id -> Text,
        tenant_id -> Text,
        client_id -> Text,
        sub -> Text,
        sid -> Nullable<Text>,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        abandoned_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    app_assignments (app_id, principal_kind, principal_id) {
        app_id -> Text,
        tenant_id -> Text,
        principal_kind -> Text,
        principal_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    home_flows (state_hash) {
        state_hash -> Text,
        tenant_id -> Text,
        purpose -> Text,
        home_issuer -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        invitation_id -> Nullable<Text>,
        auth_request_id -> Nullable<Text>,
        browser_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        idp_id -> Nullable<Text>,
    }
}

diesel::table! {
    identity_providers (id) {
        id -> Text,
        tenant_id -> Text,
        role -> Text,
        display_name -> Text,
        issuer -> Text,
        client_id -> Text,
        client_secret_sealed -> Nullable<Text>,
        scopes -> Text,
        domains -> Text,
        email_claim -> Text,
        name_claim -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        email_verified_trusted -> Bool,
        trust_mfa -> Bool,
    }
}

diesel::table! {
    cross_tenant_trust (tenant_id, partner) {
        tenant_id -> Text,
        partner -> Text,
        trust_mfa -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_attempts (tenant_id, account, window_start) {
        tenant_id -> Text,
        account -> Text,
        window_start -> Timestamp,
        attempts -> Integer,
    }
}

diesel::table! {
    email_passcodes (id) {
        id -> Text,
        tenant_id -> Text,
        email -> Text,
        code_hash -> Text,
        invitation_id -> Nullable<Text>,
        auth_request_id -> Nullable<Text>,
        browser_hash -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    collaboration_policies (tenant_id) {
        tenant_id -> Text,
        who_can_invite -> Text,
        domain_mode -> Text,
        domains -> Text,
        guest_visibility -> Text,
        guest_lifetime_days -> Nullable<BigInt>,
        otp_enabled -> Bool,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    cross_tenant_access (tenant_id, direction, partner) {
        tenant_id -> Text,
        direction -> Text,
        partner -> Text,
        allowed -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    authentication_policies (tenant_id) {
        tenant_id -> Text,
        mfa_required -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Text,
        tenant_id -> Text,
        user_id -> Text,
        name -> Text,
        credential_id -> Text,
        credential -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    totp_credentials (id) {
        id -> Text,
        tenant_id -> Text,
        user_id -> Text,
        secret_sealed -> Text,
        confirmed -> Bool,
        last_step -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    passkey_ceremonies (id_hash) {
        id_hash -> Text,
        tenant_id -> Text,
        purpose -> Text,
        user_id -> Nullable<Text>,
        session_id -> Nullable<Text>,
        auth_request_id -> Nullable<Text>,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        tenant_id -> Text,
        user_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    device_codes (device_code_hash) {
        device_code_hash -> Text,
        tenant_id -> Text,
        client_id -> Text,
        user_code -> Text,
        scope -> Text,
        client_ip -> Nullable<Text>,
        status -> Text,
        interval_seconds -> BigInt,
        last_polled_at -> Nullable<Timestamp>,
        request_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        grant_id -> Nullable<Text>,
        auth_time -> Nullable<Timestamp>,
        amr -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    dpop_proofs (tenant_id, proof_hash) {
        tenant_id -> Text,
        proof_hash -> Text,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(group_members -> user_groups (group_id));
diesel::joinable!(tenant_domains -> tenants (tenant_id));

diesel::allow_tables_to_appear_in_same_query!(
    client_assertion_jtis,
    pushed_requests,
    tenants,
    tenant_domains,
    users,
    user_roles,
    user_groups,
    group_members,
    applications,
    signing_keys,
    sessions,
    auth_requests,
    grants,
    auth_codes,
    refresh_tokens,
    revoked_access_tokens,
    consents,
    audit_events,
    invitations,
    outbox_emails,
    logout_outbox,
    app_assignments,
    home_flows,
    identity_providers,
    email_passcodes,
    sign_in_attempts,
    collaboration_policies,
    authentication_policies,
    cross_tenant_access,
    passkeys,
    passkey_ceremonies,
    cross_tenant_trust,
    totp_credentials,
    recovery_codes,
    device_codes,
    dpop_proofs,
);
