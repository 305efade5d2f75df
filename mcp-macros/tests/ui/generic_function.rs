use quickmcp::tool;

#[tool]
async fn echo<T: serde::de::DeserializeOwned + schemars::JsonSchema>(value: T) -> String {
    let _ = value;
    String::new()
}

#[tool]
async fn shout(text: impl Into<String>) -> String {
    text.into()
}

fn main() {}
