"""The policy core: the pack model and loader, the compiled pack, and the decision engine.

Pure apart from reading pack files; nothing here imports a database or web framework.
"""
