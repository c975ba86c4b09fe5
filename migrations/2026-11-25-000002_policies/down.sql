DROP TABLE collaboration_policies;
