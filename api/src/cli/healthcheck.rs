//! `shopgraph healthcheck` for container health checks: the image has no curl, so this speaks
//! just enough HTTP/1.1 to read the readiness probe's status line.

use crate::config::Config;
use crate::{Error, Result};

/// Asks the server's readiness probe; `Ok` only for a 200.
pub async fn run(config: &Config) -> Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = if config.host == "0.0.0.0" || config.host == "::" {
        "127.0.0.1"
    } else {
        config.host.as_str()
    };
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect((host, config.port)).await?;
        let request =
            format!("GET /health/ready HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(
            String::from_utf8_lossy(&response)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let status_line = tokio::time::timeout(std::time::Duration::from_secs(5), attempt)
        .await
        .map_err(|_| Error::Unhealthy("no answer within 5 s".into()))??;
    if status_line.split_whitespace().nth(1) == Some("200") {
        println!("ready");
        Ok(())
    } else {
        Err(Error::Unhealthy(status_line))
    }
}
