use quickmcp::resource;

#[resource]
fn readme() -> &'static str {
    ""
}

#[resource(mime = "text/plain")]
fn license() -> &'static str {
    ""
}

#[resource("/no/scheme")]
fn notes() -> &'static str {
    ""
}

fn main() {}
