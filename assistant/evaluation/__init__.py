"""Evaluation suite: test set, scoring, reports, regression gate, benchmark and web tab.

Modules: testset (load/validate cases, LlamaIndex import/export), scoring (per-case checks,
metrics), runner (ask every case), compare (stock LlamaIndex pipeline), report (table, JSON,
markdown), gate (baseline), cli (`assistant eval`), bench (`assistant bench`), tab (Gradio).
"""
