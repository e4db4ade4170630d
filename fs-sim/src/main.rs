//! fs-sim: a FreeSWITCH simulator (being built).

fn main() {
    eprintln!("fs-sim: not built yet");
    std::process::exit(2);
}
