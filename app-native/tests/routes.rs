//! The shared route case table, against the real binary.

mod support;

use support::Server;

#[test]
fn every_case_of_the_shared_table_passes() {
    let server = Server::start(&["--demo-faults"]);
    test_support::check_route_cases(&mut server.client());
}
