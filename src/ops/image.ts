// Image ops: resizing, crops, flips, colour space and contrast, PNG/JPEG codecs, non-max suppression: builders, registrations (shape fn, gradient).
export {};
