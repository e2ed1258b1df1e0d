fn main() {
    println!("hivetriage");
}
