//! Local spill files of the write buffer: sorted, merged runs written as Arrow IPC files in the
//! spill directory and read back as streams. A file is deleted when its [`SpillFile`] is
//! dropped — after it was read to the end, or with the buffer.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use futures::stream::{self, BoxStream};
use futures::StreamExt;
use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// One spilled run on local disk.
#[derive(Debug)]
pub(crate) struct SpillFile {
    file: NamedTempFile,
    /// Rows in the file.
    pub rows: usize,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Spill {
        path: path.display().to_string(),
        source,
    }
}

fn ipc_err(path: &Path) -> impl FnOnce(arrow_schema::ArrowError) -> Error + '_ {
    move |source| Error::Arrow {
        context: format!("spill file {}", path.display()),
        source,
    }
}

/// Writes batches into a new spill file.
pub(crate) struct SpillWriter {
    file: NamedTempFile,
    writer: FileWriter<std::io::BufWriter<File>>,
    rows: usize,
}

impl SpillWriter {
    /// A new spill file in `dir` (created if missing).
    pub fn create(dir: &Path, schema: &SchemaRef) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let file = tempfile::Builder::new()
            .prefix("strata-spill-")
            .suffix(".arrow")
            .tempfile_in(dir)
            .map_err(io_err(dir))?;
        let handle = file.reopen().map_err(io_err(file.path()))?;
        let writer = FileWriter::try_new_buffered(handle, schema).map_err(ipc_err(file.path()))?;
        Ok(SpillWriter {
            file,
            writer,
            rows: 0,
        })
    }

    /// Appends a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.rows += batch.num_rows();
        self.writer.write(batch).map_err(ipc_err(self.file.path()))
    }

    /// Closes the file.
    pub fn finish(mut self) -> Result<SpillFile> {
        self.writer.finish().map_err(ipc_err(self.file.path()))?;
        let inner = self
            .writer
            .into_inner()
            .map_err(ipc_err(self.file.path()))?;
        inner
            .into_inner()
            .map_err(|e| e.into_error())
            .map_err(io_err(self.file.path()))?;
        Ok(SpillFile {
            file: self.file,
            rows: self.rows,
        })
    }
}

impl SpillFile {
    /// Reads the file back as a stream; the file is deleted when the stream ends or is dropped.
    pub fn read(self) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        let handle = File::open(self.file.path()).map_err(io_err(self.file.path()))?;
        let reader =
            FileReader::try_new(BufReader::new(handle), None).map_err(ipc_err(self.file.path()))?;
        Ok(stream::unfold(Some((reader, self)), |state| async move {
            let (mut reader, file) = state?;
            match reader.next()? {
                Ok(batch) => Some((Ok(batch), Some((reader, file)))),
                Err(e) => {
                    let err = ipc_err(file.file.path())(e);
                    Some((Err(err), None))
                }
            }
        })
        .boxed())
    }
}
