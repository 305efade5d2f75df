use quickmcp::resource;

/// `lang` is not in the URI, so it would have to be an extractor.
#[resource("docs://readme")]
async fn readme(lang: String) -> String {
    lang
}

fn main() {}
