'use strict';
// Billing meters, meter event summaries and billing alerts (owner: usage and budgets work).
const express = require('express');

module.exports = function usageRouter(store) { // eslint-disable-line no-unused-vars
  const r = express.Router();
  return r;
};
