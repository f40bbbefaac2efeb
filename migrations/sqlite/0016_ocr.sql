-- Scanned pages are read by OCR in the languages the owner chooses for the
-- assistant (Tesseract's codes joined by '+'); a document remembers how
-- many of its pages OCR read, and anything its owner should know about
-- pages left unread.
ALTER TABLE assistants ADD COLUMN ocr_languages TEXT NOT NULL DEFAULT 'eng';
ALTER TABLE documents ADD COLUMN ocr_pages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN notice TEXT;
