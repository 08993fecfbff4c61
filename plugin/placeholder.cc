namespace grens::plugin {}  // placeholder until the first plugin source lands
