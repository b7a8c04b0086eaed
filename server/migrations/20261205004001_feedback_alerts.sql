-- Alert rules of kind 'feedback': a visitor sent user feedback (issue 20).
ALTER TABLE alert_rules DROP CONSTRAINT IF EXISTS alert_rules_kind_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_kind_check
    CHECK (kind IN ('new_issue', 'regression', 'frequency', 'vital', 'feedback'));
