-- One live invitation per guest (DESIGN.md §5: a new one withdraws the old),
-- enforced by the schema so concurrent invites cannot leave several links.
-- Earlier duplicates are withdrawn first: the newest pending one stays, the
-- others are revoked as of the time the newest was issued.
UPDATE invitations
SET status = 'revoked',
    revoked_at = (
        SELECT MAX(newer.created_at) FROM invitations newer
        WHERE newer.tenant_id = invitations.tenant_id
          AND newer.guest_user_id = invitations.guest_user_id
          AND newer.status = 'pending'
    )
WHERE status = 'pending'
  AND EXISTS (
        SELECT 1 FROM invitations newer
        WHERE newer.tenant_id = invitations.tenant_id
          AND newer.guest_user_id = invitations.guest_user_id
          AND newer.status = 'pending'
          AND (newer.created_at > invitations.created_at
               OR (newer.created_at = invitations.created_at AND newer.id > invitations.id))
      );

CREATE UNIQUE INDEX invitations_one_pending ON invitations (tenant_id, guest_user_id)
    WHERE status = 'pending';
