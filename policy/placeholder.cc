namespace grens::policy {}  // placeholder
