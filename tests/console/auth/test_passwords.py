"""Password rules and the production hashing parameters."""

from argon2 import PasswordHasher

from jobyard.console.auth import MIN_PASSWORD_LENGTH, _passwords


def test_production_hashing_uses_rfc_9106s_low_memory_argon2id(monkeypatch):
    monkeypatch.undo()  # the suite's cheap parameters would hide the real ones
    production = _passwords._hasher
    assert (production.type.name, production.memory_cost, production.time_cost) == ("ID", 65536, 3)
    assert isinstance(production, PasswordHasher)


def test_generated_passwords_pass_the_rules_for_admin():
    password = _passwords.generate_password()
    assert len(password) >= MIN_PASSWORD_LENGTH
    _passwords.check_password_rules("admin", password)
