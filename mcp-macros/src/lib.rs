use proc_macro::TokenStream;
#[proc_macro_attribute] pub fn tool(_a: TokenStream, i: TokenStream) -> TokenStream { i }
#[proc_macro_attribute] pub fn resource(_a: TokenStream, i: TokenStream) -> TokenStream { i }
#[proc_macro_attribute] pub fn prompt(_a: TokenStream, i: TokenStream) -> TokenStream { i }
