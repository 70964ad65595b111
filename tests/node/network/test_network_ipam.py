import ipaddress

import pytest

from jobyard.cluster.node.network.ipam import AddressPool, PoolExhausted


def test_addresses_skip_the_network_and_the_gateway_and_continue_after_the_last(tmp_path):
    pool = AddressPool(ipaddress.IPv4Network("10.88.0.0/29"), tmp_path / "ipam.json")
    assert [pool.allocate(owner) for owner in "abc"] == ["10.88.0.2", "10.88.0.3", "10.88.0.4"]
    pool.release("a")
    assert pool.allocate("d") == "10.88.0.5", "a freed address is not reused at once"
    assert pool.allocate("e") == "10.88.0.6"
    assert pool.allocate("f") == "10.88.0.2", "the range wraps around to freed addresses"
    with pytest.raises(PoolExhausted):
        pool.allocate("g")


def test_an_owner_keeps_its_address_and_the_file_outlives_the_pool(tmp_path):
    path = tmp_path / "ipam.json"
    pool = AddressPool(ipaddress.IPv4Network("10.88.0.0/24"), path)
    first = pool.allocate("pod-a")
    assert pool.allocate("pod-a") == first
    pool.allocate("pod-b")
    reloaded = AddressPool(ipaddress.IPv4Network("10.88.0.0/24"), path)
    assert reloaded.get("pod-a") == first
    assert reloaded.owners() == {"pod-a", "pod-b"}
    assert reloaded.allocate("pod-c") == "10.88.0.4"


def test_addresses_outside_a_changed_cidr_are_dropped_on_load(tmp_path):
    path = tmp_path / "ipam.json"
    AddressPool(ipaddress.IPv4Network("10.88.0.0/24"), path).allocate("pod-a")
    assert AddressPool(ipaddress.IPv4Network("10.89.0.0/24"), path).owners() == set()


def test_a_release_is_written_with_the_next_allocation(tmp_path):
    path = tmp_path / "ipam.json"
    pool = AddressPool(ipaddress.IPv4Network("10.88.0.0/24"), path)
    pool.allocate("pod-a")
    pool.release("pod-a")
    assert AddressPool(ipaddress.IPv4Network("10.88.0.0/24"), path).owners() == {"pod-a"}, "not yet saved"
    pool.allocate("pod-b")
    assert AddressPool(ipaddress.IPv4Network("10.88.0.0/24"), path).owners() == {"pod-b"}
