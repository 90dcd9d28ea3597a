"""Accessibility beyond the statement: pages in Leichte Sprache, explanations in German Sign
Language with staff-uploaded videos, and the feedback form "Barriere melden" (BITV NRW,
BITV 2.0 § 4 and § 7). See docs/leichte-sprache.md and docs/quality.md."""
