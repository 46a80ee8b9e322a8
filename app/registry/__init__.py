"""The campaign's register as a county keeps it: pages to register villages, units, pairings and
liaisons, and the lists other documents ask for (004 附件5 结对帮扶名单, the liaison roster)."""
