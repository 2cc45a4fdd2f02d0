-- Row-Level Security for the anchors schema (issue 6), on the tenancy functions of migrations
-- 0003 and 0007 (docs/adr/0003-row-level-security.md): a tenant's checkpoints are visible to that
-- tenant's owners and admins only, the audit readers (the app bound to an owner or admin, and
-- analysts granted audit); an anchor only when one of the checkpoints they can see names it.
-- The anchorer writes as a role that bypasses RLS; tenant_trees and positions stay its own.
do $$
declare
  readers constant text := format('%I, %I', tenancy.role_name('app'), tenancy.role_name('auditors'));
begin
  execute format('grant usage on schema anchors to %s', readers);
  execute format('grant select on anchors.checkpoints, anchors.anchors to %s', readers);
  -- (select …) makes each function an InitPlan, evaluated once per query (as 0004 does).
  execute format('create policy tenant_audit_readers on anchors.checkpoints for select to %s '
                 'using (tenant_id = (select tenancy.current_tenant()) and (select tenancy.may_read_audit()))', readers);
  -- The policy's subquery sees checkpoints through the reader's own policy above.
  execute format('create policy anchors_of_visible_checkpoints on anchors.anchors for select to %s '
                 'using (exists (select 1 from anchors.checkpoints c where c.anchor_seq = anchors.anchor_seq))', readers);
end $$;

alter table anchors.anchors enable row level security;
alter table anchors.anchors force row level security;
