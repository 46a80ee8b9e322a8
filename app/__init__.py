"""Bangfu: the ledger and weekly reporting service for 社会力量助力挂牌督战村."""
