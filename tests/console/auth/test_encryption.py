"""Secrets at rest open only with the data dir's key."""

import stat

import pytest

from jobyard.console.db import KEY_FILE, SecretBox, WrongKey


def test_a_secret_round_trips(tmp_path):
    box = SecretBox.open(tmp_path)
    sealed = box.encrypt(b"apiVersion: v1\nkind: Config\n")
    assert b"kind: Config" not in sealed
    assert box.decrypt(sealed) == b"apiVersion: v1\nkind: Config\n"


def test_the_key_file_is_created_on_first_use_readable_by_the_owner_only(tmp_path):
    SecretBox.open(tmp_path)
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600


def test_a_reopened_box_uses_the_same_key(tmp_path):
    sealed = SecretBox.open(tmp_path).encrypt(b"registry password")
    assert SecretBox.open(tmp_path).decrypt(sealed) == b"registry password"


def test_another_data_dirs_key_is_refused_with_the_key_files_path(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sealed = SecretBox.open(tmp_path / "a").encrypt(b"secret")
    other = SecretBox.open(tmp_path / "b")
    with pytest.raises(WrongKey, match=str(tmp_path / "b" / KEY_FILE)):
        other.decrypt(sealed)


def test_tampered_ciphertext_is_refused(tmp_path):
    box = SecretBox.open(tmp_path)
    sealed = bytearray(box.encrypt(b"secret"))
    sealed[-5] ^= 1
    with pytest.raises(WrongKey):
        box.decrypt(bytes(sealed))
