//! Exercise 21: which address is the client?
//! Run with `cargo run -p exercises -- check ex21_forwarded_for`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex21_forwarded_for.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex21_forwarded_for.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex21_forwarded_for;

use std::net::IpAddr;

use ex21_forwarded_for::client_address;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// nginx, as the app sees it.
const NGINX: &str = "10.0.0.1";
/// A second proxy of ours, in front of nginx (a load balancer, say).
const BALANCER: &str = "10.0.0.2";
/// The visitor.
const VISITOR: &str = "203.0.113.7";

#[track_caller]
fn assert_client(peer: &str, fields: &[&str], trusted: &[&str], expected: &str) {
    let trusted: Vec<IpAddr> = trusted.iter().map(|t| ip(t)).collect();
    assert_eq!(
        client_address(ip(peer), fields, &trusted),
        ip(expected),
        "peer {peer}, X-Forwarded-For {fields:?}, trusted {trusted:?}"
    );
}

#[test]
fn a_peer_that_is_no_proxy_of_ours_is_the_client_whatever_the_field_says() {
    assert_client(VISITOR, &["6.6.6.6"], &[NGINX], VISITOR);
    assert_client(VISITOR, &["6.6.6.6"], &[], VISITOR);
}

#[test]
fn behind_our_proxy_the_address_it_appended_is_the_client() {
    assert_client(NGINX, &[VISITOR], &[NGINX], VISITOR);
}

#[test]
fn addresses_the_client_wrote_left_of_ours_are_ignored() {
    assert_client(NGINX, &["6.6.6.6, 7.7.7.7, 203.0.113.7"], &[NGINX], VISITOR);
}

#[test]
fn a_chain_of_our_proxies_is_walked_through_from_the_right() {
    let field = format!("6.6.6.6, {VISITOR}, {BALANCER}");
    assert_client(NGINX, &[&field], &[NGINX, BALANCER], VISITOR);
}

#[test]
fn a_proxy_we_do_not_list_is_the_client_as_far_as_we_can_tell() {
    let field = format!("{VISITOR}, {BALANCER}");
    assert_client(NGINX, &[&field], &[NGINX], BALANCER);
}

#[test]
fn several_fields_are_one_list_the_first_field_leftmost() {
    assert_client(NGINX, &["6.6.6.6", VISITOR], &[NGINX], VISITOR);
    assert_client(NGINX, &[VISITOR, "6.6.6.6"], &[NGINX], "6.6.6.6");
}

#[test]
fn without_a_field_a_trusted_peer_is_all_we_know() {
    assert_client(NGINX, &[], &[NGINX], NGINX);
}

#[test]
fn when_every_entry_is_ours_the_leftmost_of_them_is_the_answer() {
    assert_client(NGINX, &[BALANCER], &[NGINX, BALANCER], BALANCER);
}

#[test]
fn spaces_and_tabs_around_entries_are_not_part_of_them() {
    assert_client(NGINX, &[" 6.6.6.6 ,\t203.0.113.7\t"], &[NGINX], VISITOR);
}

#[test]
fn ipv6_addresses_are_addresses_too() {
    assert_client("::1", &["2001:db8::7"], &["::1"], "2001:db8::7");
}

#[test]
fn garbage_ends_the_walk_at_the_nearest_proxy_of_ours() {
    assert_client(NGINX, &["203.0.113.7, unknown"], &[NGINX], NGINX);
    let field = format!("{VISITOR}, garbage, {BALANCER}");
    assert_client(NGINX, &[&field], &[NGINX, BALANCER], BALANCER);
}

#[test]
fn garbage_left_of_the_client_is_never_reached() {
    assert_client(NGINX, &["garbage, 203.0.113.7"], &[NGINX], VISITOR);
}

#[test]
fn an_empty_entry_or_an_address_with_a_port_is_garbage() {
    assert_client(NGINX, &["203.0.113.7,"], &[NGINX], NGINX);
    assert_client(NGINX, &["203.0.113.7:4711"], &[NGINX], NGINX);
}
