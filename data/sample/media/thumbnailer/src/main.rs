//! `parcel-thumbs`: command-line entry point used by the media worker.
//!
//!     parcel-thumbs --input photo.jpg --out-dir /tmp/job --sizes 128,512,1024
//!
//! Prints one JSON line per thumbnail written, e.g.
//! `{"size":512,"width":512,"height":384}`, and exits non-zero on failure
//! with the reason on stderr.

mod resize;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "parcel-thumbs", version, about = "Generate WebP thumbnails")]
struct Args {
    /// Source image (JPEG, PNG, GIF, WebP or TIFF).
    #[arg(long)]
    input: PathBuf,

    /// Directory the thumbnails are written to; must exist.
    #[arg(long)]
    out_dir: PathBuf,

    /// Comma-separated longest-edge sizes in pixels.
    #[arg(long, value_delimiter = ',', default_values_t = vec![128, 512, 1024])]
    sizes: Vec<u32>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.out_dir.is_dir() {
        eprintln!("parcel-thumbs: {} is not a directory", args.out_dir.display());
        return ExitCode::from(2);
    }
    match resize::write_thumbnails(&args.input, &args.out_dir, &args.sizes) {
        Ok(written) => {
            for (size, width, height) in written {
                println!("{{\"size\":{size},\"width\":{width},\"height\":{height}}}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("parcel-thumbs: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        let args = Args::parse_from(["parcel-thumbs", "--input", "a.jpg", "--out-dir", "/tmp", "--sizes", "64,256"]);
        assert_eq!(args.sizes, vec![64, 256]);
    }

    #[test]
    fn default_sizes() {
        let args = Args::parse_from(["parcel-thumbs", "--input", "a.jpg", "--out-dir", "/tmp"]);
        assert_eq!(args.sizes, vec![128, 512, 1024]);
    }
}
